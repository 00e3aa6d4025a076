use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 8)]
    roles: Option<Vec<String>>,
}

fn main() {}
