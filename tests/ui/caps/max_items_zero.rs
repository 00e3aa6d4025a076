use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 0)]
    ids: Vec<u64>,
}

fn main() {}
