use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 4)]
    tags: std::collections::BTreeSet<String>,
}

fn main() {}
