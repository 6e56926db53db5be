//! The addresses an iteration's battery pointed at, for the report's environment section: each
//! probe's url named by its probe, then each of the loop's `public_vars` named by the var.

use std::collections::HashSet;

use crate::config::LoopPlan;
use crate::model::Target;
use crate::probe::ProbeReport;

/// Probe urls (already masked) then public vars (masked here), each url once: a var that only
/// repeats a probe's url says nothing new.
pub(crate) fn targets(probes: &[(String, ProbeReport)], plan: &LoopPlan) -> Vec<Target> {
    let redactor = plan.redactor();
    let probes = probes
        .iter()
        .map(|(name, report)| (name.clone(), report.url().to_owned()));
    let vars = plan
        .public_vars
        .iter()
        .filter_map(|name| Some((name.clone(), redactor.text(plan.vars.get(name)?))));
    let mut seen = HashSet::new();
    probes
        .chain(vars)
        .filter(|(_, url)| seen.insert(url.clone()))
        .map(|(name, url)| Target { name, url })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::targets;
    use crate::config::LoopPlan;
    use crate::model::LoopName;

    #[test]
    fn public_vars_are_listed_in_their_order_once_per_url() {
        let mut plan = LoopPlan::bare(LoopName::new("demo").unwrap());
        for (name, value) in [
            ("base_url", "https://api.example.com"),
            ("ws_url", "wss://api.example.com/ws"),
            ("same_url", "https://api.example.com"),
        ] {
            plan.vars.insert(name.to_owned(), value.to_owned());
        }
        plan.public_vars = vec!["ws_url".into(), "base_url".into(), "same_url".into()];

        let got: Vec<(String, String)> = targets(&[], &plan)
            .into_iter()
            .map(|t| (t.name, t.url))
            .collect();
        assert_eq!(
            got,
            [
                ("ws_url".to_owned(), "wss://api.example.com/ws".to_owned()),
                ("base_url".to_owned(), "https://api.example.com".to_owned()),
            ]
        );
    }
}
