use axum::{Router, routing::get};
use claimguard::{Claims, Key, Verifier};

#[derive(Claims)]
#[claims(algorithms = [HS256], leeway = "1")]
struct User {
    exp: u64,
}

async fn me(user: User) -> String {
    user.exp.to_string()
}

fn main() {
    let verifier = Verifier::<User>::new(Key::hmac([0u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new().route("/me", get(me)).with_state(verifier);
}
