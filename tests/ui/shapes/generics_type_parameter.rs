use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User<T> {
    extra: T,
}

fn main() {}
