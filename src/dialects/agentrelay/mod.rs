//! The agentrelay dialect (GRAPH.md): task graphs read from YAML 1.1 as PyYAML
//! reads them, checked as agentrelay's builder checks them, simulated as its
//! orchestrator schedules them, migrated from v01, and the rule that keeps invalid
//! graphs out.

pub mod check;
pub mod migrate;
pub mod migration;
pub mod plan;
pub mod rules;
pub mod yaml;
