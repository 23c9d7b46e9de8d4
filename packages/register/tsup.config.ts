import { packageConfig } from "../../scripts/tsup.base";

export default packageConfig();
