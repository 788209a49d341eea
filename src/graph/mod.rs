//! Task graphs (GRAPH.md): agentrelay-compatible validation, read from YAML 1.1.

pub mod check;
pub mod migrate;
pub mod migration;
pub mod plan;
pub mod yaml;
