use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    tags: std::collections::HashSet<u32>,
}

fn main() {}
