use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_len = "64")]
    sub: String,
}

fn main() {}
