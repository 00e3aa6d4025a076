use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    name: std::sync::Arc<str>,
}

fn main() {}
