//! Integration tests: each a short user story driving the real binary against a real
//! repository made with the real `git`, in a hermetic environment.

mod ccw;
mod ccw_layouts;
mod check;
mod completion;
mod completion_props;
mod concurrency;
mod discovery;
mod docs;
mod environments;
mod faults;
mod filters;
mod graphs;
mod hook_managers;
mod hooks;
mod hostile;
mod hostile_server;
mod index;
mod install;
mod migrate;
mod real_data;
mod recovery;
mod refusals;
mod rollback;
mod server;
mod settings;
mod shells;
mod snapshots;
mod status_log;
mod support;
mod tasks;
mod untrusted;
