//! Prints what the build script placed: the pinned file's path and length.

fn main() {
    let path = env!("MODEL_PATH");
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("{path}: {len} bytes");
}
