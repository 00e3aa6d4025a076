use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    ids: Vec<u64>,
}

fn main() {}
