import type { FactLabel } from "../facts";
import type { Text } from "../model";

/** Shared labels of the person facts the presets read. */
export const RETIREMENT_KIND_LABEL: FactLabel = {
  label: { "zh-CN": "离退休类别", en: "retirement kind" },
  values: { lixiu: { "zh-CN": "离休", en: "lixiu" }, tuixiu: { "zh-CN": "退休", en: "tuixiu" } },
};

/** A rank fact, rendered with the rank scale's names. */
export const RANK_LABEL: FactLabel = { label: { "zh-CN": "职级", en: "rank" }, rank: true };

/** A person's name: personal data, masked as a name. */
export const NAME_LABEL: FactLabel = { label: { "zh-CN": "姓名", en: "name" }, sensitive: "name" };

/** Builds a text. */
export function t(zh: string, en: string): Text {
  return { "zh-CN": zh, en };
}
