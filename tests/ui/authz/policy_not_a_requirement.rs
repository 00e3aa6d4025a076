use claimguard::{Authorized, Claims, Scopes};

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scope: Scopes,
}

struct NotAPolicy;

async fn orders(_: Authorized<User, NotAPolicy>) {}

fn main() {
    let _ = orders;
}
