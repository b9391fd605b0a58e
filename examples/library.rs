//! Using lbcheck as a library: load a config, walk its routing model, and
//! render any diagnostics.
//!
//! cargo run --example library -- configs/haproxy-example.cfg

use std::path::PathBuf;

use lbcheck::model::Target;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let loaded = lbcheck::load(&paths, &lbcheck::Options::default())?;
    for diag in &loaded.diagnostics {
        eprintln!("{}", lbcheck::report::text::render(&loaded.db, diag, false));
    }
    for entry in &loaded.model.entry_points {
        println!("{} ({} routes)", entry.name, entry.routes.len());
        for route in &entry.routes {
            let target = match &route.target {
                Target::Backend { name } => name.clone(),
                Target::Dynamic { expression, .. } => format!("dynamic {expression}"),
                Target::Terminal { action } => format!("ends with {action}"),
            };
            let at = loaded.db.location(route.span);
            println!("  {at}: {} -> {target}", route.condition);
        }
    }
    for backend in &loaded.model.backends {
        let usable = backend
            .servers
            .iter()
            .filter(|s| !s.disabled.value && s.weight.value > 0)
            .count();
        println!(
            "{}: {} of {} servers usable",
            backend.name,
            usable,
            backend.servers.len()
        );
    }
    Ok(())
}
