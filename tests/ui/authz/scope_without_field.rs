use claimguard::{Authorized, Claims};

#[derive(Claims)]
#[claims(algorithms = [HS256])]
struct User {
    #[claims(max_len = 64)]
    sub: String,
}

claimguard::requirement! {
    struct OrdersRead = scope("orders:read");
}

async fn orders(_: Authorized<User, OrdersRead>) {}

fn main() {
    let _ = orders;
}
