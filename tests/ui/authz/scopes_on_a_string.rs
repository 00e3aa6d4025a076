use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_len = 256, scopes)]
    scope: String,
}

fn main() {}
