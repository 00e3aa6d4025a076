use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User<'a> {
    #[claims(max_len = 8)]
    sub: &'a str,
}

fn main() {}
