import { packageConfig } from "../../scripts/tsup.base";

export default packageConfig({ index: "src/index.ts", cli: "src/cli.ts" });
