use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], source = header("X Token"))]
struct User {
    exp: u64,
}

fn main() {}
