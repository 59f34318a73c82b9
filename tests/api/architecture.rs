//! The layers keep their direction: the HTTP layers (`api/`, `web/`, and
//! the wiring in `app.rs`, `main.rs`, `lib.rs`, `cache.rs`) call the areas;
//! no area, nor anything they share (the language catalogue, mail,
//! notifications), reaches back into `api` or `web`. A file added later is
//! checked without anyone remembering to.

use std::path::{Path, PathBuf};

/// The HTTP layers and the wiring, which may name `api` and `web`.
const HTTP: [&str; 6] = ["api/", "web/", "app.rs", "main.rs", "lib.rs", "cache.rs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_area_reaches_into_the_http_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut offences = Vec::new();
    let mut areas = 0;
    for file in &files {
        let name = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if HTTP.iter().any(|h| name == *h || name.starts_with(h)) {
            continue;
        }
        areas += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if ["crate::api", "crate::web", "super::web", "super::api"]
                .iter()
                .any(|p| code.contains(p))
            {
                offences.push(format!("src/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(areas > 50, "only {areas} area files found under {src:?}");
    assert!(
        offences.is_empty(),
        "areas reaching into the HTTP layers:\n{}",
        offences.join("\n")
    );
}
