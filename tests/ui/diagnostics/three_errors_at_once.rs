use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256], isuer = "x", leeway = "30")]
struct User {
    #[claims(max_len = 0)]
    sub: String,
}

fn main() {}
