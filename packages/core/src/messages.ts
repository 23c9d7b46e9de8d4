/**
 * The message catalogue: every {@link ErrorCode} with its zh-CN and en text.
 *
 * Placeholders are written `{name}` and filled from the error's `params`. Params never carry
 * personal data (names, ID numbers, phones, health facts): only ids, field names, codes and numbers.
 */

/** The languages Elderflow speaks. */
export type Lang = "zh-CN" | "en";

/** All languages, in the order the CLI lists them. */
export const LANGS: readonly Lang[] = ["zh-CN", "en"];

/** The text of one message in each language. */
export interface MessageText {
  readonly "zh-CN": string;
  readonly en: string;
}

/**
 * The error catalogue. Keys are the stable `code`s that callers switch on; they never change meaning.
 * Packages add their codes here, grouped by package, so that the whole catalogue reads in one file.
 */
export const ERROR_MESSAGES = {
  // ---- core: input and validation
  INVALID_INPUT: { "zh-CN": "输入无效：{detail}", en: "Invalid input: {detail}" },
  INVALID_TYPE: { "zh-CN": "类型错误：应为{expected}", en: "Wrong type: expected {expected}" },
  REQUIRED: { "zh-CN": "缺少必填字段", en: "Required field is missing" },
  UNKNOWN_FIELD: { "zh-CN": "未知字段：{field}", en: "Unknown field: {field}" },
  INVALID_ENUM: { "zh-CN": "取值不在允许范围内：{options}", en: "Value is not one of: {options}" },
  INVALID_DATE: {
    "zh-CN": "日期无效（应为存在的 YYYY-MM-DD 日期）",
    en: "Invalid date (expected an existing YYYY-MM-DD date)",
  },
  INVALID_INSTANT: {
    "zh-CN": "时间无效（应为带时区偏移的 ISO 8601 时间）",
    en: "Invalid instant (expected ISO 8601 with an offset)",
  },
  FUTURE_DATE: { "zh-CN": "日期不能晚于{limit}", en: "Date may not be after {limit}" },
  DATE_ORDER: { "zh-CN": "起始日期晚于结束日期", en: "Start date is after end date" },
  INVALID_ID_NUMBER: {
    "zh-CN": "身份证号码格式无效（应为18位）",
    en: "Resident ID number is malformed (expected 18 characters)",
  },
  ID_NUMBER_CHECKSUM: {
    "zh-CN": "身份证号码校验位错误（GB 11643）",
    en: "Resident ID number fails its GB 11643 checksum",
  },
  ID_NUMBER_BIRTH_DATE_MISMATCH: {
    "zh-CN": "身份证号码中的出生日期与出生日期字段不一致",
    en: "Birth date in the ID number does not match birthDate",
  },
  ID_NUMBER_GENDER_MISMATCH: {
    "zh-CN": "身份证号码中的性别码与性别字段不一致",
    en: "Gender digit in the ID number does not match gender",
  },
  INVALID_PHONE: { "zh-CN": "电话号码格式无效", en: "Phone number is malformed" },
  UNKNOWN_RANK: { "zh-CN": "职级不在职级表中", en: "Rank is not on the rank scale" },
  INVALID_RANK_SCALE: { "zh-CN": "职级表无效：{detail}", en: "Invalid rank scale: {detail}" },
  UNKNOWN_TIME_ZONE: { "zh-CN": "未知时区：{zone}", en: "Unknown time zone: {zone}" },
  TOO_SMALL: { "zh-CN": "数值过小（最小{minimum}）", en: "Value too small (minimum {minimum})" },
  TOO_BIG: { "zh-CN": "数值过大（最大{maximum}）", en: "Value too big (maximum {maximum})" },
  INVALID_FORMAT: { "zh-CN": "格式无效：{format}", en: "Invalid format: {format}" },
  DUPLICATE_ID: { "zh-CN": "编号重复：{id}", en: "Duplicate id: {id}" },
  NOT_FOUND: { "zh-CN": "未找到：{what}", en: "Not found: {what}" },
  FILE_NOT_FOUND: { "zh-CN": "文件不存在：{file}", en: "File not found: {file}" },
  INVALID_JSON: {
    "zh-CN": "JSON 解析失败：第{line}行第{column}列",
    en: "Could not parse JSON at line {line}, column {column}",
  },
  MALFORMED_TEXT: {
    "zh-CN": "文本含有不成对的代理字符（不是合法的 Unicode）",
    en: "Text holds a lone surrogate (not well-formed Unicode)",
  },
  CONTROL_CHARACTER: { "zh-CN": "文本含有控制字符", en: "Text holds a control character" },
  NOT_NORMALIZED: {
    "zh-CN": "文本不是 Unicode NFC 规范形式",
    en: "Text is not in Unicode normal form NFC",
  },
  PERSONAL_DATA_IN_ID: {
    "zh-CN": "编号或键中不得含有身份证号码或手机号码",
    en: "Ids and keys may not hold a resident ID number or a mobile phone number",
  },
  TOO_DEEP: { "zh-CN": "嵌套层数过多（最多{maximum}层）", en: "Nested too deeply (at most {maximum} levels)" },
  TOO_MANY_ITEMS: { "zh-CN": "条目过多（最多{maximum}条）", en: "Too many items (at most {maximum})" },
  ACTOR_MISMATCH: {
    "zh-CN": "操作人与记录中署名的人不一致，且无委托",
    en: "The actor is not the person named in the record and holds no delegation",
  },
  UNAUTHENTICATED: { "zh-CN": "未认证：缺少或无效的令牌", en: "Not authenticated: missing or unknown token" },
  PAYLOAD_TOO_LARGE: { "zh-CN": "请求过大（最多{maximum}）", en: "Request too large (at most {maximum})" },
  RESERVED_ID: {
    "zh-CN": "编号使用了系统保留的前缀：{prefix}",
    en: "The id uses a prefix reserved for the engine: {prefix}",
  },
  NOT_A_NUMBER: { "zh-CN": "数值无效（应为有限整数）", en: "Not a valid number (expected a finite integer)" },
  STORE_READ_ONLY: {
    "zh-CN": "该数据库只读（备库或只读副本），不能写入；请连接主库",
    en: "The database is read-only (a standby or read replica) and takes no writes; connect to the primary",
  },
  DATA_DIR_UNAVAILABLE: {
    "zh-CN": "无法创建或打开数据目录",
    en: "The data folder cannot be created or opened",
  },
  DRIVER_MISSING: {
    "zh-CN": "缺少数据库驱动：请安装 npm 包 {driver}",
    en: "The database driver is missing: install the npm package {driver}",
  },
  MIGRATION_LOCK_TIMEOUT: {
    "zh-CN": "等待其他进程完成数据库迁移超时（{seconds}秒）",
    en: "Timed out after {seconds} s waiting for another process's database migrations",
  },
  USAGE: { "zh-CN": "用法错误：{detail}", en: "Usage error: {detail}" },
  INTERNAL: { "zh-CN": "内部错误：{detail}", en: "Internal error: {detail}" },
  BATCH_ABORTED: {
    "zh-CN": "批量提交已中止：其中一条语句失败，整批已回滚",
    en: "The batch was aborted: a statement in it failed and the whole batch is rolled back",
  },

  // ---- policy
  UNKNOWN_FACT: { "zh-CN": "未知事实：{fact}", en: "Unknown fact: {fact}" },
  UNKNOWN_OPERATOR: { "zh-CN": "未知运算符：{operator}", en: "Unknown operator: {operator}" },
  UNKNOWN_POLICY: { "zh-CN": "未知政策：{policy}", en: "Unknown policy: {policy}" },
  POLICY_NOT_EFFECTIVE: {
    "zh-CN": "政策在{date}未生效：{policy}",
    en: "Policy {policy} is not in effect on {date}",
  },
  OVERLAPPING_PERIODS: {
    "zh-CN": "同一版本的生效期重叠：{policy}",
    en: "Effective periods of the same version overlap: {policy}",
  },
  MULTIPLE_HITS: {
    "zh-CN": "决策表“唯一”命中策略下有多条规则命中：{rules}",
    en: "Decision table with hit policy 'unique' matched several rules: {rules}",
  },
  INVALID_POLICY: { "zh-CN": "政策定义无效：{detail}", en: "Invalid policy definition: {detail}" },
  POLICY_TEST_FAILED: {
    "zh-CN": "政策测试用例未通过：{case}",
    en: "Policy test case failed: {case}",
  },

  // ---- schedule
  HOLIDAYS_PROVISIONAL: {
    "zh-CN": "{year}年官方节假日安排尚未公布，使用临时日历",
    en: "The official holiday schedule for {year} is not published yet; the calendar is provisional",
  },
  INVALID_LUNAR_DATE: { "zh-CN": "农历日期无效：{detail}", en: "Invalid lunar date: {detail}" },
  HOLIDAY_PACK_HASH_MISMATCH: {
    "zh-CN": "节假日数据包的内容哈希不符：应为{expected}，实为{actual}",
    en: "Holiday pack content hash does not match: expected {expected}, got {actual}",
  },
  HOLIDAY_PACK_DATE_OUTSIDE_YEAR: {
    "zh-CN": "节假日数据包的日期不在{year}年（或上一年12月）内",
    en: "Holiday pack date is outside {year} (or the December before it)",
  },
  HOLIDAY_PACK_DUPLICATE_DATE: {
    "zh-CN": "节假日数据包中日期重复：{date}",
    en: "Holiday pack lists a date twice: {date}",
  },
  HOLIDAY_PACK_WORKDAY_NOT_WEEKEND: {
    "zh-CN": "调休上班日应为周六或周日：{date}",
    en: "A shifted working day (调休) must be a Saturday or Sunday: {date}",
  },
  HOLIDAY_PACK_CONFLICT: {
    "zh-CN": "{year}年已载入另一份已确认的节假日数据包",
    en: "Another confirmed holiday pack for {year} is already loaded",
  },
  INVALID_RECURRENCE: { "zh-CN": "重复规则无效：{detail}", en: "Invalid recurrence: {detail}" },
  OUT_OF_RANGE: {
    "zh-CN": "超出支持范围：{detail}",
    en: "Out of the supported range: {detail}",
  },
  TOO_MANY_OCCURRENCES: {
    "zh-CN": "展开的日程超过上限（最多{maximum}次）",
    en: "The schedule expands to too many occurrences (at most {maximum})",
  },

  // ---- timebank
  UNKNOWN_ACCOUNT: { "zh-CN": "未知账户（或不在本社区范围内）", en: "Unknown account (or not in your communities)" },
  NOT_AUTHORIZED: { "zh-CN": "无权执行此操作", en: "Not authorised for this action" },
  SELF_REGISTRATION: {
    "zh-CN": "志愿者不能登记自己的服务",
    en: "A volunteer may not register their own service",
  },
  SELF_VERIFICATION: {
    "zh-CN": "志愿者不能核实自己的服务",
    en: "A volunteer may not verify their own service",
  },
  NOT_PENDING: { "zh-CN": "该记录不处于待处理状态", en: "The entry is not pending" },
  NOT_REVERSIBLE: {
    "zh-CN": "只能冲正已入账且未冲正的服务记录或兑付",
    en: "Only a posted, not yet reversed record or fulfilment can be reversed",
  },
  NOT_FAMILY: {
    "zh-CN": "受益人不是该志愿者登记的家庭成员",
    en: "The beneficiary is not a registered family member of the volunteer",
  },
  INSUFFICIENT_BALANCE: {
    "zh-CN": "可用时间不足（可用{available}分钟，需要{requested}分钟）",
    en: "Insufficient available time ({available} min available, {requested} min requested)",
  },
  IDEMPOTENCY_CONFLICT: {
    "zh-CN": "幂等键已用于不同的内容",
    en: "Idempotency key was already used with different content",
  },
  PERIOD_CLOSED: { "zh-CN": "会计期间已关闭：{period}", en: "Period is closed: {period}" },
  JOURNAL_TAMPERED: {
    "zh-CN": "流水账被篡改，首个异常位置：{position}",
    en: "Journal has been tampered with; first bad entry at {position}",
  },
  HASH_SUITE_MISMATCH: {
    "zh-CN": "流水账以{stored}哈希算法写成，不能以{requested}打开",
    en: "The journal is hashed with {stored}; it cannot be opened with {requested}",
  },

  // ---- workflow
  CONCURRENT_UPDATE: {
    "zh-CN": "并发更新冲突（期望版本{expected}，实际版本{actual}）",
    en: "Concurrent update (expected version {expected}, found {actual})",
  },
  UNKNOWN_EVENT: { "zh-CN": "未知事件：{event}", en: "Unknown event: {event}" },
  EVENT_NOT_ALLOWED: {
    "zh-CN": "当前状态{state}不接受事件{event}",
    en: "Event {event} is not accepted in state {state}",
  },
  WRONG_ROLE: { "zh-CN": "角色{role}无权执行{event}", en: "Role {role} may not perform {event}" },
  WRONG_COMMUNITY: {
    "zh-CN": "不能访问其他社区的数据",
    en: "Staff of another community may not access this",
  },
  UNKNOWN_MACHINE: { "zh-CN": "未知流程：{machine}", en: "Unknown workflow: {machine}" },
  UNKNOWN_INSTANCE: { "zh-CN": "未知流程实例：{instance}", en: "Unknown workflow instance: {instance}" },
  NO_MIGRATION_PATH: {
    "zh-CN": "流程{machine}从版本{from}到{to}没有迁移路径",
    en: "No migration path for {machine} from version {from} to {to}",
  },
  NOT_CERTIFIED: {
    "zh-CN": "志愿者未取得所需等级的证书",
    en: "The volunteer is not certified for the needed level",
  },
  // ---- elderflow: tasks
  UNKNOWN_TASK: { "zh-CN": "未知任务", en: "Unknown task" },
  TASK_NOT_OPEN: { "zh-CN": "任务已完成或已取消", en: "The task is already done or cancelled" },
  TASK_NOT_ASSIGNED: {
    "zh-CN": "任务不处于待接受状态",
    en: "The task is not waiting to be accepted",
  },
  TASK_NOT_ACCEPTED: {
    "zh-CN": "任务尚未被接受，不能完成",
    en: "The task has not been accepted, so it cannot be done",
  },
  // ---- register
  ALREADY_ENROLLED: {
    "zh-CN": "该人员已在信息库中登记：{id}",
    en: "The person is already enrolled in the register: {id}",
  },
  UNKNOWN_PERSON: {
    "zh-CN": "信息库中没有该人员（或不在您的社区范围内）",
    en: "No such person in the register (or not in your communities)",
  },
  BEFORE_ENROLMENT: {
    "zh-CN": "变更的生效日期早于该人员在信息库中的登记日期（{enrolled}）",
    en: "The change takes effect before the person was enrolled in the register ({enrolled})",
  },
  ID_MISMATCH: { "zh-CN": "记录中的编号与 personId 不一致", en: "The record's id differs from personId" },
  EMPTY_CHANGE: { "zh-CN": "变更未包含任何字段", en: "The change holds no field to change" },
  UNKNOWN_CHANGE: {
    "zh-CN": "该人员没有序号为{seq}的变更记录",
    en: "The person has no recorded change with seq {seq}",
  },
  SUPERSEDE_MISMATCH: {
    "zh-CN": "只能以同类变更取代原记录（原记录为{kind}）",
    en: "A change may only supersede one of its own kind (the recorded one is {kind})",
  },
  ALREADY_SUPERSEDED: {
    "zh-CN": "序号为{seq}的变更已被取代",
    en: "The change with seq {seq} is already superseded",
  },
  UNKNOWN_SURVEY: { "zh-CN": "答卷不属于问卷{survey}", en: "The response is not to survey {survey}" },
  SURVEY_VERSION_MISMATCH: {
    "zh-CN": "答卷的问卷版本不符（应为第{expected}版，实为第{actual}版）",
    en: "The response is to another version of the survey (expected {expected}, got {actual})",
  },
  INVALID_SURVEY: { "zh-CN": "问卷定义无效：{detail}", en: "Invalid survey definition: {detail}" },
  // ---- register: import
  IMPORT_FILE_TOO_LARGE: {
    "zh-CN": "导入文件过大（最多{maximum}字节）",
    en: "The import file is too large (at most {maximum} bytes)",
  },
  IMPORT_TOO_MANY_ROWS: {
    "zh-CN": "导入文件行数过多（最多{maximum}行）",
    en: "The import file has too many rows (at most {maximum})",
  },
  IMPORT_TOO_MANY_COLUMNS: {
    "zh-CN": "导入文件列数过多（最多{maximum}列）",
    en: "The import file has too many columns (at most {maximum})",
  },
  IMPORT_UNSUPPORTED_FORMAT: {
    "zh-CN": "不支持的文件格式：{format}（请另存为 XLSX、CSV 或 JSON）",
    en: "Unsupported file format: {format} (save it as XLSX, CSV or JSON)",
  },
  IMPORT_INVALID_FILE: {
    "zh-CN": "文件已损坏或不是有效的{format}文件",
    en: "The file is damaged or not a valid {format} file",
  },
  IMPORT_NO_HEADER: {
    "zh-CN": "未找到表头行（前{rows}行中没有可识别的列名）",
    en: "No header row found (no known column names in the first {rows} rows)",
  },
  IMPORT_DUPLICATE_COLUMN: {
    "zh-CN": "表头中同一字段出现了两次：{field}",
    en: "Two columns of the header map to the same field: {field}",
  },
  UNKNOWN_COLUMN: { "zh-CN": "未知列，已忽略", en: "Unknown column, ignored" },
  CELL_TOO_LONG: {
    "zh-CN": "单元格内容过长（最多{maximum}个字符）",
    en: "Cell text too long (at most {maximum} characters)",
  },
  ID_NUMBER_AS_NUMBER: {
    "zh-CN": "身份证号被存成了数字，后几位已丢失（请将该列设为文本格式后重新录入）",
    en: "The ID number was stored as a number and lost its last digits (format the column as text and enter it again)",
  },
  DUPLICATE_ID_NUMBER: {
    "zh-CN": "身份证号与第{row}行重复",
    en: "The ID number repeats the one on row {row}",
  },
  INVALID_BOOLEAN: { "zh-CN": "应为“是”或“否”", en: "Expected yes or no (是/否)" },
  // ---- elderflow: follow-through
  NEW_COMMUNITY_WITHOUT_MOVE: {
    "zh-CN": "只有迁出或转出才能指定新的所属社区",
    en: "A new community can be given only for a move or a transfer",
  },
  // ---- elderflow: plans and reports
  UNKNOWN_OCCASION: {
    "zh-CN": "该年没有这个走访节日：{occasion}",
    en: "No such visit occasion in that year: {occasion}",
  },
  // --- #15 deliveries and cases ---
  DUPLICATE_PARTY: { "zh-CN": "当事人重复", en: "A party is listed twice" },
  NOT_RECEPTION_DAY: {
    "zh-CN": "该日不是所选接待日（每周二下午接待或每月18日学法日）",
    en: "That day is not a day of the chosen reception (Tuesday afternoons, or the law day on the 18th)",
  },
  SESSION_IN_FUTURE: { "zh-CN": "接待日期不能晚于今天", en: "A session cannot be dated after today" },
  BEFORE_INTAKE: { "zh-CN": "接待日期早于受理日期", en: "A session cannot be dated before the intake" },
  TOO_MANY_SESSIONS: { "zh-CN": "本案接待次数已达上限", en: "The case has reached its limit of sessions" },
  REFERRAL_DEPARTMENT: {
    "zh-CN": "转交其他部门时须注明部门，转交法援中心或法院时不得注明部门",
    en: "A referral to a department names it; one to the legal aid centre or a court names none",
  },
  UNKNOWN_PERIODICAL: { "zh-CN": "未知报刊：{title}", en: "Unknown periodical: {title}" },
  UNKNOWN_DELIVERY: { "zh-CN": "未知投送项", en: "Unknown delivery item" },
  DELIVERY_CANCELLED: {
    "zh-CN": "该份已取消（对象已去世或迁出），不能再登记",
    en: "This delivery was cancelled (the cadre died or moved away) and cannot be recorded",
  },
  DELIVERY_ALREADY_RECORDED: {
    "zh-CN": "该投送项已登记为送达",
    en: "The delivery item is already recorded as delivered",
  },
  MISSED_NEEDS_REASON: { "zh-CN": "未送达须注明原因", en: "A missed delivery needs its reason" },
  UNKNOWN_ISSUE: {
    "zh-CN": "该报刊没有这一期（月刊为“年-月”，周送为当周周一的日期）",
    en: "No such issue of the periodical (a month for monthlies, the week's Monday for weekly bundles)",
  },
  // --- #15 health ---
  KEY_ERASED: {
    "zh-CN": "该人员的数据密钥已销毁，加密数据无法读取",
    en: "The person's data key was erased: the sealed data can no longer be read",
  },
  SEAL_INVALID: {
    "zh-CN": "加密数据无法解开（已被改动，或不属于该人员或该字段）",
    en: "The sealed value does not open (altered, or not this person's or this field's)",
  },
  UNKNOWN_CIPHER_SUITE: { "zh-CN": "未知加密算法套件：{suite}", en: "Unknown cipher suite: {suite}" },
  CIPHER_UNAVAILABLE: {
    "zh-CN": "加密算法不可用：{suite}",
    en: "Cipher not available in this runtime: {suite}",
  },
  FOLLOW_UP_BEFORE_CHECK: {
    "zh-CN": "复查日期早于查体日期",
    en: "The follow-up is due before the check-up itself",
  },
  // --- #15 matching ---
  CERTIFICATE_INVALID: {
    "zh-CN": "志愿者在服务当日未持有该项服务所需等级的有效证书",
    en: "The volunteer held no valid certificate at the needed level for this service on the day of service",
  },
  UNKNOWN_NEED: {
    "zh-CN": "需求登记中没有该需求（或不在您的社区范围内）",
    en: "No such need (or not in your communities)",
  },
  NEED_STATUS: {
    "zh-CN": "需求当前状态为{status}，不能执行该操作",
    en: "The need is {status}; this action does not apply",
  },
  // --- #15 clearing ---
  CLEARING_SIGNATURE: {
    "zh-CN": "结算单签名无效（内容被改动，或不是该行的密钥签发）",
    en: "The settlement statement's signature does not verify (altered, or not signed with that bank's key)",
  },
  CLEARING_PARTY: {
    "zh-CN": "结算单的银行或期间与本次核对不符：{detail}",
    en: "The statement is not between these banks or for this period: {detail}",
  },
  CLEARING_TOTALS: {
    "zh-CN": "结算单合计与其明细不符：{detail}",
    en: "The statement's totals do not add up from its own lines: {detail}",
  },
  CLEARING_MISSING: {
    "zh-CN": "本行记有该笔通存通兑，对方结算单中没有",
    en: "A clearing movement this bank recorded is missing from the counterpart's statement",
  },
  CLEARING_UNMATCHED: {
    "zh-CN": "对方结算单中的该笔通存通兑，本行没有记录",
    en: "A movement on the counterpart's statement has no match in this bank's records",
  },
  CLEARING_MISMATCH: {
    "zh-CN": "该笔通存通兑双方记录不一致：{fields}",
    en: "The two banks record this clearing movement differently: {fields}",
  },
  CLEARING_NOT_NETTING: {
    "zh-CN": "双方结算单轧差不为零：相差{minutes}分钟",
    en: "The two statements do not net to zero: {minutes} minutes apart",
  },
  // --- #15 time-bank rules ---
  STORAGE_CAP: {
    "zh-CN": "超过时间存储上限（上限{cap}分钟）",
    en: "Over the storage cap ({cap} minutes)",
  },
  REDEMPTION_AGE: {
    "zh-CN": "受益人未达到兑换年龄（或未登记出生日期）",
    en: "The beneficiary has not reached the redemption age (or has no registered birth date)",
  },
  NOTHING_TO_EXPIRE: {
    "zh-CN": "该日没有到期的时间",
    en: "No minutes are due to expire on that date",
  },
  // --- #15 medical ---
  OUTSIDE_PROGRAMME_SCOPE: {
    "zh-CN": "该干部不在本项目的服务对象范围内（{policy}）",
    en: "The cadre is outside the programme's scope ({policy})",
  },
  NOT_GROUP_MEMBER: { "zh-CN": "不是本组在岗的志愿者", en: "Not an active member of this group" },
  MEMBER_SUSPENDED: {
    "zh-CN": "该志愿者在本组已暂停服务（证书失效或未持证）",
    en: "The volunteer is suspended from this group (certificate lapsed or missing)",
  },
  NOT_IN_GROUP: { "zh-CN": "该干部不在本组的服务名单中", en: "The cadre is not served by this group" },
  MEASUREMENT_NEEDS_VISIT: {
    "zh-CN": "血压、血糖、脉搏等测量读数只能在上门时记录",
    en: "Measured readings (blood pressure, glucose, pulse) need a home visit",
  },
  SEALER_REQUIRED: {
    "zh-CN": "记录健康读数须配置字段加密（sealer）",
    en: "Recording health readings needs a field sealer",
  },
  BUDGET_RATE_OVERLAP: {
    "zh-CN": "预算科目的费率期间重叠或顺序颠倒",
    en: "The budget line's rate periods overlap or are out of order",
  },
  // --- #14 access audit ---
  PURPOSE_REQUIRED: {
    "zh-CN": "访问个人信息须说明用途（{options}）",
    en: "Access to personal data needs a purpose (one of: {options})",
  },
  RETENTION_TOO_SHORT: {
    "zh-CN": "访问日志保存期限不得少于{minimum}天",
    en: "The access log must be kept at least {minimum} days",
  },
} as const satisfies Record<string, MessageText>;

/** A stable error code: the key of {@link ERROR_MESSAGES}. */
export type ErrorCode = keyof typeof ERROR_MESSAGES;

/** Values that fill a message's `{placeholders}`; never personal data. */
export type MessageParams = Readonly<Record<string, string | number | boolean>>;

/**
 * Renders a catalogue message in a language, filling `{placeholders}` from params.
 *
 * @example
 * ```ts
 * formatMessage("PERIOD_CLOSED", "en", { period: "2027-Q1" })
 * ```
 */
export function formatMessage(code: ErrorCode, lang: Lang, params: MessageParams = {}): string {
  const template = ERROR_MESSAGES[code][lang];
  return fillTemplate(template, params);
}

/**
 * Replaces `{name}` placeholders in a template; unknown placeholders are left as they are.
 *
 * @example
 * ```ts
 * fillTemplate("{n} persons", { n: 3 }); // "3 persons"
 * ```
 */
export function fillTemplate(template: string, params: MessageParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/**
 * Whether a string is a known error code.
 *
 * @example
 * ```ts
 * isErrorCode("PERIOD_CLOSED"); // true
 * ```
 */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_MESSAGES, value);
}
