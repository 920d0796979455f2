package main

import "github.com/banapos/bana/bench/benchkit"

// startServer starts bin with args in dir, listening on port, with the environment of this
// process minus every APP_ENV_* and BANA_BENCH_BASELINE_* variable (so that a developer's
// settings cannot leak in) plus env.
func startServer(bin string, args []string, dir string, env map[string]string, port int) (*benchkit.Server, error) {
	return benchkit.StartServer(benchkit.ServerConfig{Bin: bin, Args: args, Dir: dir, Env: env, Port: port,
		Hide: []string{"BANA_BENCH_BASELINE_"}})
}
