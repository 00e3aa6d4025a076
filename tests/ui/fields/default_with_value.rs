use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(default = 3)]
    n: u64,
}

fn main() {}
