use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], source = query("token"))]
struct User {
    exp: u64,
}

fn main() {}
