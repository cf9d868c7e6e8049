// The migrations are embedded by `sqlx::migrate!`, which cannot tell cargo to rebuild when a
// file is added or changed under migrations/: this does.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
