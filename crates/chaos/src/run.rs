//! One whole run: start the system, inject the schedule's faults, heal, settle, check.

use crate::{
    check::{self, Evidence, Report},
    cluster::{account, Cluster, Options},
    history::Event,
    schedule,
};
use anyhow::{anyhow, Result};
use std::sync::Arc;

/// Run the system under the faults `options.seed` draws, and check what happened.
pub async fn run(options: Options) -> Result<Report> {
    let cluster = Cluster::start(options).await?;
    let plan =
        schedule::draw(cluster.options().seed, &cluster.shape(), cluster.options().length, cluster.options().window);
    std::fs::write(cluster.options().work.join("schedule.json"), serde_json::to_vec_pretty(&plan)?)?;
    tracing::info!(faults = plan.len(), "the system runs; faults begin");
    let cluster = Arc::new(cluster);
    let cuts = cluster.run_faults(plan).await;
    tracing::info!(cuts, "healed; settling");
    let settled = cluster.settle().await;
    let mut cluster = Arc::into_inner(cluster).ok_or_else(|| anyhow!("a fault task outlived the run"))?;
    cluster.stop_actors().await;
    cluster.history.record(Event::Phase { name: "check".into() });
    let kept = cluster.keep_disks()?;
    let evidence = Evidence {
        history: cluster.options().work.join("history.jsonl"),
        nodes: (0..cluster.validators.len()).map(|i| cluster.net.http_url(i)).collect(),
        chain_url: cluster.net.ws_url(0),
        model: cluster.model,
        provers: cluster
            .prover_journals()
            .into_iter()
            .map(|(name, suri, lazy, dir)| {
                (
                    name.to_string(),
                    account(suri).unwrap_or_default(),
                    lazy,
                    kept.join(dir.file_name().unwrap_or_default()),
                )
            })
            .collect(),
        clients: cluster
            .client_states()
            .into_iter()
            .map(|(name, suri, dir)| {
                (name.to_string(), account(suri).unwrap_or_default(), kept.join(dir.file_name().unwrap_or_default()))
            })
            .collect(),
        watchers: cluster.watcher_audits(),
        memory_slack_kib: 128 * 1024,
    };
    let report = check::check(&evidence).await;
    cluster.shutdown().await;
    let mut report = report?;
    if let Err(e) = settled {
        report.breaches.insert(0, format!("settlement did not finish: {e:#}"));
    }
    Ok(report)
}
