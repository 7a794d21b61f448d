# Tributary's everyday commands. `just` is optional: each recipe is one plain command.

# The demo: github-sim, the API and GraphiQL on the embedded defaults (SQLite).
demo:
    cargo run -- demo

# Every test (starts PostgreSQL and Redis when installed but not running).
test *ARGS:
    scripts/test {{ARGS}}

# Rewrite schema.graphql from the code (a test fails while the two differ).
schema:
    cargo run -q -- schema > schema.graphql

# Benchmarks; results go to BENCHMARKS.md with the command that produced them.
bench:
    cargo run --release -p tributary-bench -- connection
    cargo build --release -p tributary && cargo run --release -p tributary-bench -- import
    cargo run --release -p tributary-bench -- metrics
