// The curriculum is embedded into the binary (include_dir); rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=curriculum");
    println!("cargo:rerun-if-changed=migrations");
}
