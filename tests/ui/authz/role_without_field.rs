use claimguard::{Claims, Scopes, Verifier};

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_items = 8, max_len = 32, default, scopes)]
    scope: Scopes,
}

claimguard::requirement! {
    struct Admin = role("admin");
}

fn layer(verifier: &Verifier<User>) {
    let _ = verifier.require::<Admin>();
}

fn main() {
    let _ = layer;
}
