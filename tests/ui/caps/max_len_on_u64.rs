use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_len = 8)]
    exp: u64,
}

fn main() {}
