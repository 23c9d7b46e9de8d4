/**
 * @elderflow/schedule: occurrences. Time-zone-correct recurrences (rrule + luxon), lunar dates with
 * RFC 7529 leap months and SKIP, Chinese statutory holidays with 调休, the domain's schedules
 * (birthday roster, holiday visits, health checks, study, legal aid, law day), pairing cadence
 * compliance, and iCalendar export.
 *
 * @packageDocumentation
 */
export {
  type CadenceLogEntry,
  type CadenceOptions,
  type CadencePair,
  type CadenceReport,
  cadenceReport,
  type GroupCompliance,
  type PairCompliance,
} from "./cadence";
export {
  type AnniversaryRule,
  activeOn,
  type Bilingual,
  DEFAULT_ANNIVERSARIES,
  expandSeries,
  HEALTH_CHECK_SERIES,
  type HealthCheckRecord,
  type HealthCheckStatus,
  type HealthCheckStatusOptions,
  healthCheckStatus,
  holidayVisitList,
  LAW_DAY_SERIES,
  LEGAL_AID_SERIES,
  OFFICE_SERIES,
  type OfficeSeries,
  type SeriesEvent,
  type SeriesExpansion,
  type SeriesOptions,
  type ServedPerson,
  STUDY_SERIES,
  type StudySession,
  studyPlan,
  type VisitEntry,
  type VisitOccasion,
  visitOccasions,
} from "./domain";
export {
  type DayChange,
  dayChanges,
  type HolidayImpact,
  holidayImpact,
  type MovedItem,
  type PlannedItem,
  plannedOnDate,
  seriesPlannedItems,
} from "./holiday-impact";
export {
  HOLIDAY_PACK_FORMAT,
  HOLIDAY_PACK_LIMITS,
  HolidayPack,
  HolidayPackContent,
  holidayPackCanonical,
  holidayPackHash,
  isVerifiedHolidayPack,
  loadHolidayPack,
  sealHolidayPack,
} from "./holiday-pack";
export {
  chineseDaysProvider,
  createHolidayCalendar,
  type DayInfo,
  type DayKind,
  type HolidayCalendar,
  type HolidayCalendarOptions,
  type HolidayProvider,
  type LocalDay,
  type NonWorkingDayRule,
  provisionalWarning,
  type ScheduleWarning,
} from "./holidays";
export { type ICalContent, type ICalEvent, type ICalOptions, toICalendar } from "./ical";
export { DEFAULT_MAX_OCCURRENCES, type ExpansionOptions } from "./limits";
export {
  fromLunar,
  LUNAR_RANGE,
  type LunarDate,
  leapMonthOf,
  lunarMonthDays,
  lunarOccurrence,
  SKIP_VALUES,
  type Skip,
  springFestival,
  toLunar,
} from "./lunar";
export { createRecurrence, type Occurrence, type Recurrence, type RecurrenceSpec } from "./recurrence";
export {
  type BirthdayEntry,
  type BirthdayRosterOptions,
  type BirthdayRosterReport,
  type BirthdaySkip,
  birthdayRoster,
  birthdayRosterReport,
  type CelebrationPredicate,
  type RosterPerson,
  type RosterRejection,
} from "./roster";
export { createYearlyRecurrence, type YearlyOccurrence, type YearlyRecurrence, type YearlySpec } from "./yearly";
