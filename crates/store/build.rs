fn main() {
    // New migration files must re-embed them (sqlx::migrate! reads the folder at compile time).
    println!("cargo:rerun-if-changed=migrations");
}
