use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], leeway = "30")]
struct User {
    exp: u64,
}

fn main() {}
