use claimguard::Claims;

struct MyError;

#[derive(Claims)]
#[claims(algorithms = [HS256], rejection = MyError)]
struct User {
    exp: u64,
}

fn main() {}
