//! The layers keep their direction: the HTTP layers (`api/`, `web/`, and
//! the wiring in `app.rs`, `main.rs`, `lib.rs`, `cache.rs`) call the areas;
//! no area, nor anything they share (the language catalogue, mail,
//! notifications), reaches back into `api` or `web`. A file added later is
//! checked without anyone remembering to.
//!
//! And no two modules of `src/` reach each other, directly or around a
//! circle: each area is a leaf of its own concerns (audit appends and knows
//! no area; files keep content and know no owner; notifications and open
//! data are told, never asking back). The one exception is the wiring: the
//! HTTP layers name `app` for the shared state their handlers take, while
//! `app` builds the route tree from them.

use std::collections::{BTreeMap, BTreeSet};
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

/// Every source file under `src/`, with its name relative to it
/// (`grants/reports.rs`).
fn source_files() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let name = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (f, name)
        })
        .collect()
}

#[test]
fn no_area_reaches_into_the_http_layers() {
    let mut offences = Vec::new();
    let mut areas = 0;
    for (file, name) in &source_files() {
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
    assert!(areas > 50, "only {areas} area files found under src/");
    assert!(
        offences.is_empty(),
        "areas reaching into the HTTP layers:\n{}",
        offences.join("\n")
    );
}

/// The module of `src/` a file belongs to (`grants` for
/// `src/grants/reports.rs`, `cache` for `src/cache.rs`).
fn module_of(name: &str) -> String {
    let first = name.split('/').next().unwrap_or(name);
    first.strip_suffix(".rs").unwrap_or(first).to_owned()
}

/// The code of a file without comments and without its unit tests.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first identifier at the start of `s`.
fn ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Every module `code` names through `crate::`: `crate::a::b`, and the
/// top names of a group, `crate::{a, b::{c, d}}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut take = true;
            for (i, c) in group.char_indices() {
                if take && depth == 1 {
                    let name = ident(&group[i..]);
                    if !name.is_empty() {
                        out.insert(name);
                    }
                    take = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => take = true,
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

/// Which modules each module names, with the files that do.
fn module_graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let files = source_files();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(_, n)| module_of(n))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (file, name) in &files {
        let from = module_of(name);
        if !modules.contains(&from) {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for to in named_modules(&code) {
            if to != from && modules.contains(&to) {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(format!("src/{name}"));
            }
        }
    }
    graph
}

/// A circle through `graph`, if there is one: the modules in order, the
/// first again at the end.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_reader_of_imports_sees_paths_groups_and_nested_groups() {
    let code = code_of(
        "use crate::audit::{self, Change};\n\
         use crate::{grants, procurement::{bids, award}, registry};\n\
         let x = crate::open::Event::GrantCreated(id); // crate::web in a comment\n\
         #[cfg(test)]\nmod tests { use crate::api; }",
    );
    assert_eq!(
        named_modules(&code).into_iter().collect::<Vec<_>>(),
        ["audit", "grants", "open", "procurement", "registry"]
    );
    let looped: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(circle(&looped).unwrap(), ["a", "b", "c", "a"]);
    let mut straight = looped.clone();
    straight.get_mut("c").unwrap().clear();
    assert_eq!(circle(&straight), None);
}

#[test]
fn no_two_modules_reach_each_other() {
    let graph = module_graph();
    for (from, to) in [
        ("procurement", "grants"),
        ("procurement", "audit"),
        ("grants", "notifications"),
        ("downloads", "files"),
    ] {
        assert!(
            graph.get(from).is_some_and(|t| t.contains_key(to)),
            "the reader of imports missed {from} -> {to}"
        );
    }
    // The wiring: handlers name `app` for the state they take.
    let edges: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .map(|(from, to)| {
            let to = to.keys().filter(|t| *t != "app").cloned().collect();
            (from.clone(), to)
        })
        .collect();
    if let Some(found) = circle(&edges) {
        let steps: Vec<String> = found
            .windows(2)
            .map(|w| {
                let files: Vec<&String> = graph[&w[0]][&w[1]].iter().collect();
                format!("{} -> {} (in {files:?})", w[0], w[1])
            })
            .collect();
        panic!(
            "modules reach each other around a circle:\n{}",
            steps.join("\n")
        );
    }
    for leaf in ["audit", "files", "notifications", "open", "i18n", "error"] {
        let reached: Vec<&String> = graph
            .get(leaf)
            .into_iter()
            .flat_map(|t| t.keys())
            .filter(|t| {
                [
                    "registry",
                    "procurement",
                    "grants",
                    "stats",
                    "calendar",
                    "departments",
                ]
                .contains(&t.as_str())
            })
            .collect();
        assert!(reached.is_empty(), "{leaf} calls the areas {reached:?}");
    }
}

/// Rights are decided in `auth::policy` alone: no other file compares an
/// actor's role, department or organization by hand (pages and areas ask
/// the policy, and views carry what it decided). The bench and the demo
/// set data up and decide nothing.
#[test]
fn no_right_is_decided_outside_the_policy() {
    let by_hand = [
        "a.role ==",
        "a.role !=",
        "actor.role ==",
        "actor.role !=",
        "matches!(a.role",
        "matches!(actor.role",
        "match a.role",
        "match actor.role",
        "a.role.is_org_role()",
        "actor.role.is_org_role()",
        "a.department_id ==",
        "actor.department_id ==",
        "a.organization_id ==",
        "actor.organization_id ==",
    ];
    let mut offences = Vec::new();
    for (file, name) in &source_files() {
        if name == "auth/policy.rs" || name.starts_with("bench/") || name.starts_with("demo/") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for (n, line) in code.lines().enumerate() {
            if by_hand.iter().any(|p| line.contains(p)) {
                offences.push(format!("src/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "rights decided outside auth::policy:\n{}",
        offences.join("\n")
    );
}
