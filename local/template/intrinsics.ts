// CloudFormation's intrinsic functions over the synthesised template, with the physical names and
// attributes the local stack gives each resource. A reference this file cannot resolve becomes a
// value no request can carry (`unresolved:...`), so a policy that names it never allows by accident.
import type { Template } from './synth.ts';

export interface Pseudo {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/** The local physical id (Ref) and attributes (GetAtt) of one resource. */
export interface Physical {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

export type PhysicalOf = (logicalId: string) => Physical | undefined;

export class Intrinsics {
  private readonly template: Template;
  private readonly pseudo: Pseudo;
  private readonly physical: PhysicalOf;
  private readonly conditions = new Map<string, boolean>();

  constructor(template: Template, pseudo: Pseudo, physical: PhysicalOf) {
    this.template = template;
    this.pseudo = pseudo;
    this.physical = physical;
  }

  /** Whether a resource exists locally: it has no Condition, or its condition holds. */
  exists(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  condition(name: string): boolean {
    let value = this.conditions.get(name);
    if (value === undefined) {
      value = this.truth(this.template.Conditions?.[name]);
      this.conditions.set(name, value);
    }
    return value;
  }

  /** Resolves every intrinsic in a value; drops properties that resolve to AWS::NoValue. */
  resolve(value: unknown): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== noValue);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [name, arg] = entries[0]!;
      if (name === 'Ref' || name.startsWith('Fn::') || name === 'Condition') return this.intrinsic(name, arg);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = this.resolve(v);
      if (resolved !== noValue) out[key] = resolved;
    }
    return out;
  }

  private intrinsic(name: string, arg: any): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.physical(id)?.attributes[attribute] ?? `unresolved:${id}.${attribute}`;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        const local = this.resolve(vars) as Record<string, unknown>;
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, reference: string) => {
          if (Object.hasOwn(local, reference)) return String(local[reference]);
          const [id, attribute] = reference.split(/\.(.*)/s);
          return String(attribute ? this.intrinsic('Fn::GetAtt', [id, attribute]) : this.ref(id!));
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(this.resolve(text)).split(separator);
      }
      case 'Fn::If': {
        const [condition, yes, no] = arg as [string, unknown, unknown];
        return this.resolve(this.condition(condition) ? yes : no);
      }
      case 'Fn::ImportValue':
        return `unresolved:import:${JSON.stringify(arg)}`;
      default:
        // Fn::Equals, Fn::Not... only appear in conditions; anything else is unknown here.
        return `unresolved:${name}`;
    }
  }

  private ref(id: string): unknown {
    switch (id) {
      case 'AWS::AccountId':
        return this.pseudo.account;
      case 'AWS::Region':
        return this.pseudo.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.pseudo.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.pseudo.region}:${this.pseudo.account}:stack/${this.pseudo.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return noValue;
      default:
        return this.physical(id)?.ref ?? `unresolved:${id}`;
    }
  }

  private truth(expression: any): boolean {
    if (expression === undefined) return false;
    if (typeof expression === 'boolean') return expression;
    const [name, arg] = Object.entries(expression as Record<string, any>)[0] ?? [];
    switch (name) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolve(arg[0])) === JSON.stringify(this.resolve(arg[1]));
      case 'Fn::Not':
        return !this.truth(arg[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((a) => this.truth(a));
      case 'Fn::Or':
        return (arg as unknown[]).some((a) => this.truth(a));
      case 'Condition':
        return this.condition(String(arg));
      case 'Fn::Contains':
        return (this.resolve(arg[0]) as unknown[]).some((v) => JSON.stringify(v) === JSON.stringify(this.resolve(arg[1])));
      default:
        throw new Error(`the local stack cannot evaluate the condition function ${name}`);
    }
  }
}

const noValue = Symbol('AWS::NoValue');
