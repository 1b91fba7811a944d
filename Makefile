# Herald — the everyday commands. Each one installs what it needs first.
.PHONY: dev start test build proto bench cluster clean

dev start:            ## run Herald embedded on :6001 (same as npm start)
	bash scripts/start.sh

test:                 ## the whole test suite (same as npm test)
	bash scripts/test.sh

build:                ## compile protobufs and TypeScript into dist/
	bash scripts/ensure-deps.sh node
	npm run --silent build

proto:                ## regenerate the protobuf code from proto/herald/v1
	bash scripts/ensure-deps.sh node
	node scripts/build-proto.js --force

bench:                ## Herald (embedded, cluster) vs the baseline server, same load runner; sizes via BENCH_* (loadtest/README.md)
	bash loadtest/bench.sh

cluster:              ## a local cluster to try: nats-server, 2 gateways, 2 presence, api
	bash scripts/ensure-deps.sh node nats
	npm run --silent build
	PATH="$(CURDIR)/.tools/bin:$$PATH" node --enable-source-maps dist/services/herald/src/main.js cluster

clean:
	rm -rf dist services/core/src/generated
