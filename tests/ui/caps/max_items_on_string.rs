use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 8)]
    sub: String,
}

fn main() {}
