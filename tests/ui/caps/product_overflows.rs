use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 18446744073709551615, max_len = 18446744073709551615)]
    names: Vec<String>,
}

fn main() {}
