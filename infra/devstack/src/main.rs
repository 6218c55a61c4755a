//! `devstack up | provision | routes` — see the crate documentation.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use devstack::stack::{self, Options};
use devstack::template::Template;

const USAGE: &str = "usage: devstack <up|provision|routes|cold-starts> [--count N] [--template template.yaml] \
[--params FILE] [--param Name=Value]... [--moto URL] [--region R] [--stack NAME] \
[--http ADDR] [--ws ADDR] [--smtp ADDR] [--bin-dir DIR] [--max-instances N] [--ready-file PATH]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The error and its causes on one line (what infra/up shows);
            // a backtrace only when one was asked for (RUST_BACKTRACE).
            eprintln!("devstack: error: {e:#}");
            if e.backtrace().status() == std::backtrace::BacktraceStatus::Captured {
                eprintln!("backtrace:\n{}", e.backtrace());
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEVSTACK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let opts = parse_options(args.collect())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = match command.as_str() {
        "up" => runtime.block_on(stack::up(opts)),
        "provision" => runtime.block_on(async {
            let (_, ctx) = stack::provision_only(&opts).await?;
            let refs: HashMap<_, _> = ctx
                .resources
                .iter()
                .map(|(k, v)| (k.clone(), v.reference.clone()))
                .collect();
            println!("{}", serde_json::to_string_pretty(&refs)?);
            Ok(())
        }),
        "cold-starts" => runtime.block_on(stack::cold_starts(opts)),
        "routes" => {
            let template = Template::load(&opts.template)?;
            let ctx = devstack::template::offline_context(&template, &opts.stack);
            let mut rows = Vec::new();
            for f in devstack::template::functions(&template, &ctx)? {
                for r in f.http_routes {
                    rows.push(
                        serde_json::json!({"binary": f.binary, "method": r.method, "path": r.path}),
                    );
                }
            }
            println!("{}", serde_json::to_string_pretty(&rows)?);
            Ok(())
        }
        _ => Err(anyhow::anyhow!("{USAGE}")),
    };
    // Tasks still running (pollers, sockets) are dropped, not awaited.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

fn parse_options(args: Vec<String>) -> anyhow::Result<Options> {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut opts = Options {
        template: PathBuf::from("template.yaml"),
        parameters_file: Some(PathBuf::from("infra/devstack/parameters.json"))
            .filter(|p| p.is_file()),
        parameters: HashMap::new(),
        moto: env("DEVSTACK_MOTO", "http://127.0.0.1:4566"),
        region: env("AWS_REGION", "us-east-1"),
        stack: "switchboard".into(),
        http: env("DEVSTACK_HTTP", "127.0.0.1:3000")
            .parse()
            .context("DEVSTACK_HTTP")?,
        ws: env("DEVSTACK_WS", "127.0.0.1:3001")
            .parse()
            .context("DEVSTACK_WS")?,
        smtp: env("DEVSTACK_SMTP", "127.0.0.1:2525")
            .parse()
            .context("DEVSTACK_SMTP")?,
        bin_dir: PathBuf::from(target).join("debug"),
        max_instances: 4,
        ready_file: None,
        cold_starts: 20,
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--template" => opts.template = value()?.into(),
            "--params" => opts.parameters_file = Some(value()?.into()),
            "--param" => {
                let kv = value()?;
                let (k, v) = kv.split_once('=').context("--param takes Name=Value")?;
                opts.parameters.insert(k.to_owned(), v.to_owned());
            }
            "--moto" => opts.moto = value()?,
            "--region" => opts.region = value()?,
            "--stack" => opts.stack = value()?,
            "--http" => opts.http = value()?.parse().context("--http takes host:port")?,
            "--ws" => opts.ws = value()?.parse().context("--ws takes host:port")?,
            "--smtp" => opts.smtp = value()?.parse().context("--smtp takes host:port")?,
            "--bin-dir" => opts.bin_dir = value()?.into(),
            "--max-instances" => {
                opts.max_instances = value()?.parse().context("--max-instances")?
            }
            "--ready-file" => opts.ready_file = Some(value()?.into()),
            "--count" => opts.cold_starts = value()?.parse().context("--count")?,
            _ => bail!("unknown option {flag}\n{USAGE}"),
        }
    }
    Ok(opts)
}
