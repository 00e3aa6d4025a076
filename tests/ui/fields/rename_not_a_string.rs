use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(rename = sub)]
    subject: u64,
}

fn main() {}
