//! The back office's modules depend one way: read from their own files, the
//! modules of `kassa-api`, `kassa-console`, `kassa-dayrun` and the `kassa`
//! binary's library that name each other (`crate::module` outside comments)
//! form no circle. `office` (actors, permissions, audit, counters) and
//! `i18n` are at the bottom of theirs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of the crate at `src` and the modules it names.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap();
        let top =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let named = graph.entry(top.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let module: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !module.is_empty() && module != top {
                    named.insert(module);
                }
            }
        }
    }
    graph
}

/// A circle through `from`, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut paths = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = paths.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                return Some([path.clone(), vec![next.clone()]].concat());
            }
            if seen.insert(next.clone()) {
                paths.push([path.clone(), vec![next.clone()]].concat());
            }
        }
    }
    None
}

#[test]
fn the_back_office_modules_depend_one_way() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (crate_name, src, bottom) in [
        ("kassa-api", manifest.join("src"), "office"),
        ("kassa-console", manifest.join("../kassa-console/src"), "i18n"),
    ] {
        let graph = graph(&src);
        assert!(graph.len() > 3, "{crate_name}: {graph:?}");
        for module in graph.keys() {
            assert_eq!(circle(&graph, module), None, "{crate_name}: modules in a circle");
        }
        let under = &graph[bottom];
        assert!(under.iter().all(|m| m == "error"), "{crate_name}: {bottom} uses {under:?}");
    }
}
