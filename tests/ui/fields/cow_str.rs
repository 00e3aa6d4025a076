use claimguard::Claims;

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    name: std::borrow::Cow<'static, str>,
}

fn main() {}
