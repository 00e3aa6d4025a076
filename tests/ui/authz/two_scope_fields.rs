use claimguard::{Claims, Scopes};

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scope: Scopes,
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scp: Scopes,
}

fn main() {}
