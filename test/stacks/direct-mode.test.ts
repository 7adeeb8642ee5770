/**
 * The stacks in direct chain mode, synthesized offline next to the default
 * (crawler) mode: only the direct mode's routes become rules, the crawlers no
 * route starts (cleaned, transformed) run on the configured schedule, and
 * every job's role is the same as in crawler mode.
 */
import { scheduledCrawlZones } from '../../crawlers/zone-crawlers';
import { eventPattern } from '../../jobs/lib/definition/event-patterns';
import { chainRoutes, ROUTES, type Route } from '../../jobs/lib/definition/routes';
import { STEPS, type Step } from '../../jobs/lib/definition/run-stages';
import { ZONES } from '../../jobs/lib/definition/zones';
import { routeFor, toPipelineEvent } from '../../jobs/lib/runtimes/lambda/event-schemas';
import { deployedNames, resourceNames } from '../../stacks/names';
import { crawlerStateChange, sampleRouteEvent } from './support/aws-events';
import { matchesEventPattern } from './support/event-pattern-matcher';
import {
  fixtureConfig,
  nameOf,
  only,
  parseRef,
  ref,
  resourcesOf,
  statementsOf,
  synthesize,
  type Synthesized,
  type TfJson,
} from './support/synth';

const CRAWL_SCHEDULE = 'cron(15 * * * ? *)';
const direct = fixtureConfig({ chainMode: 'direct', crawlerSchedule: CRAWL_SCHEDULE });
const crawler = fixtureConfig();
const names = resourceNames(direct);
const deployed = deployedNames(names);
let synth: Synthesized;
let crawlerSynth: Synthesized;
beforeAll(() => {
  synth = synthesize(direct);
  crawlerSynth = synthesize(crawler);
});
afterAll(() => {
  synth?.cleanup();
  crawlerSynth?.cleanup();
});

const tf = () => synth.pipeline;
const ruleRoutes = chainRoutes('direct').filter((r) => r.on.source !== 'aws.scheduler');
const fnName = (from: TfJson, step: Step) =>
  nameOf(from, 'aws_lambda_function', (f) => f.function_name === names.jobFunction(step));
const rule = (route: Route) => only(tf(), 'aws_cloudwatch_event_rule', (r) => r.name === names.rule(route.name));

const sampleEvent = (route: Route) => sampleRouteEvent(route, deployed);

describe('direct mode', () => {
  it('deploys a rule for each route of the direct mode and none for the crawler-only routes', () => {
    const deployedRules = new Set(resourcesOf(tf(), 'aws_cloudwatch_event_rule').map((r) => r.body.name));
    const wanted = ROUTES.filter((r) => r.on.source !== 'aws.scheduler').map((r) => [r.name, ruleRoutes.includes(r)]);
    expect(wanted.map(([name]) => [name, deployedRules.has(names.rule(name as string))])).toEqual(wanted);
    expect(ruleRoutes.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'cleaned-written-transform-transformed',
        'transformed-written-load',
        'raw-crawled-transform-cleaned',
      ]),
    );
    for (const route of ruleRoutes) expect(JSON.parse(rule(route).event_pattern)).toEqual(eventPattern(route, deployed));
  });

  it('sends ZoneWritten cleaned to transform and ZoneWritten transformed to load, each event to one rule', () => {
    const patterns = ruleRoutes.map((r) => ({ route: r, pattern: JSON.parse(rule(r).event_pattern) }));
    for (const route of ruleRoutes) {
      const event = sampleEvent(route);
      const matched = patterns.filter((p) => matchesEventPattern(p.pattern, event)).map((p) => p.route.name);
      expect({ route: route.name, matched }).toEqual({ route: route.name, matched: [route.name] });
      expect(routeFor(toPipelineEvent(event, deployed), route.step).name).toBe(route.name);
      const ruleName = nameOf(tf(), 'aws_cloudwatch_event_rule', (r) => r.name === names.rule(route.name));
      const target = only(
        tf(),
        'aws_cloudwatch_event_target',
        (t) => t.rule === ref('aws_cloudwatch_event_rule', ruleName, 'name'),
      );
      expect({ route: route.name, target: target.arn }).toEqual({
        route: route.name,
        target: ref('aws_lambda_function', fnName(tf(), route.step), 'arn'),
      });
    }
    // A scheduled crawl of the cleaned or transformed zone starts nothing.
    for (const zone of ['cleaned', 'transformed'] as const) {
      const event = crawlerStateChange(deployed.crawlers[zone], 'Succeeded');
      expect(patterns.filter((p) => matchesEventPattern(p.pattern, event))).toEqual([]);
    }
  });

  it('schedules the cleaned and transformed crawlers, and leaves the raw crawler to the crawl job', () => {
    expect(scheduledCrawlZones('direct')).toEqual(['cleaned', 'transformed']);
    expect(scheduledCrawlZones('crawler')).toEqual([]);
    for (const zone of ZONES) {
      const crawler = only(synth.lake, 'aws_glue_crawler', (c) => c.name === names.crawlers[zone]);
      expect({ zone, schedule: crawler.schedule }).toEqual({
        zone,
        schedule: zone === 'raw' ? undefined : CRAWL_SCHEDULE,
      });
    }
  });

  it('gives every job the same role policy as crawler mode', () => {
    const policyOf = (from: TfJson, step: Step) => {
      const role = parseRef(from.resource.aws_lambda_function[fnName(from, step)].role)!.name;
      return statementsOf(from, only(from, 'aws_iam_role_policy', (p) => p.role === ref('aws_iam_role', role, 'id')).policy);
    };
    for (const step of STEPS) {
      expect({ step, statements: policyOf(tf(), step) }).toEqual({ step, statements: policyOf(crawlerSynth.pipeline, step) });
    }
  });
});
