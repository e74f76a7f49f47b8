/**
 * Word lists for offline titles (title.ts): how technologies and acronyms are spelled, which
 * words only open a request, which nouns name a piece of code, and the verbs and judgements that
 * say what kind of conversation it is. Lower-case keys throughout, in Maps: a user's word is
 * looked up, and "constructor" must not find an object's own property.
 */

function mapOf(entries: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(entries));
}

/** Technologies and acronyms as they are spelled in a title, whatever the user typed ("postgresql" → PostgreSQL). */
export const SPELLING: ReadonlyMap<string, string> = new Map(
  (
    "python:Python sql:SQL typescript:TypeScript javascript:JavaScript react:React node.js:Node.js nodejs:Node.js java:Java " +
    "rust:Rust golang:Go ruby:Ruby php:PHP swift:Swift kotlin:Kotlin scala:Scala haskell:Haskell elixir:Elixir lua:Lua dart:Dart " +
    "cpp:C++ csharp:C# fsharp:F# dotnet:.NET bash:Bash zsh:Zsh powershell:PowerShell postgres:Postgres postgresql:PostgreSQL " +
    "mysql:MySQL sqlite:SQLite mongodb:MongoDB redis:Redis docker:Docker kubernetes:Kubernetes k8s:K8s terraform:Terraform " +
    "aws:AWS gcp:GCP azure:Azure linux:Linux macos:macOS ios:iOS android:Android html:HTML css:CSS tailwind:Tailwind " +
    "next.js:Next.js nextjs:Next.js vue:Vue angular:Angular svelte:Svelte django:Django flask:Flask fastapi:FastAPI " +
    "rails:Rails laravel:Laravel graphql:GraphQL trpc:tRPC prisma:Prisma pandas:pandas numpy:NumPy pytorch:PyTorch " +
    "tensorflow:TensorFlow excel:Excel git:Git github:GitHub gitlab:GitLab json:JSON yaml:YAML csv:CSV xml:XML regex:Regex " +
    "api:API apis:APIs http:HTTP https:HTTPS tcp:TCP udp:UDP dns:DNS ssh:SSH ssl:SSL tls:TLS jwt:JWT oauth:OAuth url:URL " +
    "urls:URLs cli:CLI sdk:SDK ui:UI ux:UX ai:AI llm:LLM llms:LLMs seo:SEO pdf:PDF crm:CRM kpi:KPI kpis:KPIs okr:OKR okrs:OKRs " +
    "jquery:jQuery openai:OpenAI chatgpt:ChatGPT nginx:Nginx kafka:Kafka bigquery:BigQuery dynamodb:DynamoDB " +
    "s3:S3 ec2:EC2 matlab:MATLAB webpack:Webpack vite:Vite stripe:Stripe"
  )
    .split(" ")
    .map((pair) => pair.split(":") as [string, string]),
);

/** Spelled-out names that a plain tokenizer would cut ("C++" would lose its "++"): replaced before splitting. */
export function protectNames(text: string): string {
  return text
    .replace(/(^|[^\w])c\+\+(?![\w+])/gi, "$1cpp")
    .replace(/(^|[^\w])([cf])#(?!\w)/gi, (_, lead: string, letter: string) => `${lead}${letter.toLowerCase() === "c" ? "csharp" : "fsharp"}`)
    .replace(/(^|\s)\.net\b/gi, "$1dotnet");
}

/** Languages of a code fence's info string or of a pasted block. */
export const FENCE_LANG: ReadonlyMap<string, string> = mapOf({
  py: "Python", python: "Python", ts: "TypeScript", typescript: "TypeScript", tsx: "TypeScript", js: "JavaScript", javascript: "JavaScript",
  jsx: "JavaScript", sql: "SQL", psql: "SQL", sh: "Bash", bash: "Bash", shell: "Bash", zsh: "Bash", go: "Go", golang: "Go", rust: "Rust",
  rs: "Rust", java: "Java", kotlin: "Kotlin", kt: "Kotlin", c: "C", cpp: "C++", "c++": "C++", cs: "C#", csharp: "C#", rb: "Ruby", ruby: "Ruby",
  php: "PHP", swift: "Swift", json: "JSON", yaml: "YAML", yml: "YAML", html: "HTML", css: "CSS", dockerfile: "Dockerfile", toml: "TOML",
});

/**
 * Words that open a request or a question without saying what it is about ("please can you help
 * me write", "how do I", "I'd like a"), in English and a few other languages (¿cómo puedo…, wie kann
 * ich…, comment puis-je…). Only ever dropped from the start.
 */
export const OPENING = new Set(
  (
    "please pls plz kindly can could would will shall should must may might do does did is are was were am be been " +
    "how what what's whats which why when where who i i'm i'd i've im id we we're we'd you you're u me us my our your it it's its " +
    "let's lets let help need want like wanna gonna trying try going to just also quickly quick question hey hi hello ok okay so " +
    "and but now then there here a an the this that these those some any one " +
    "cómo como puedo puedes podrías podrias quiero necesito qué que por favor ayúdame ayudame me es el la los las un una unos unas " +
    "comment puis-je peux pourrais je tu vous voudrais veux besoin qu'est-ce quel quelle est ce le les une des du s'il plaît plait " +
    "wie kann ich könntest kannst bitte was ist der die das ein eine mir hilf möchte brauche " +
    "come posso potresti vorrei il lo gli"
  ).split(" "),
);

/** Greetings and thanks: a first sentence made only of these says nothing ("Hi team!"). */
export const GREETING = new Set("hi hello hey hiya yo dear good morning afternoon evening there team all everyone folks guys thanks thank you thx cheers hola bonjour salut hallo ciao".split(" "));

/** Verbs that ask for something to be produced: "write a Python function…" is about the function. */
export const PRODUCE = new Set("write create make build generate implement code draft give show get produce develop design set up put together".split(" "));

/** Verbs that say what kind of conversation it is, and the word a short title ends with for them. */
export const KIND: ReadonlyMap<string, string> = mapOf({
  plan: "Plan",
  compare: "Comparison",
  review: "Review",
  summarize: "Summary",
  summarise: "Summary",
  explain: "Explained",
  translate: "Translation",
  outline: "Outline",
  estimate: "Estimate",
  brainstorm: "Ideas",
  suggest: "Ideas",
  propose: "Ideas",
  analyze: "Analysis",
  analyse: "Analysis",
  optimize: "Optimization",
  optimise: "Optimization",
  refactor: "Refactor",
  test: "Tests",
});

/** Verbs about something broken: the title says so first ("Debugging React Hook That Loops Forever"). */
export const REPAIR: ReadonlyMap<string, string> = mapOf({ fix: "Fixing", debug: "Debugging", troubleshoot: "Troubleshooting" });

/** Nouns that name a piece of code: the head of a code request's title. */
export const CODE_NOUN = new Set(
  (
    "function functions script scripts query queries component components class classes method methods regex regexes " +
    "program snippet endpoint endpoints hook hooks test tests migration migrations macro formula command module api cli bot " +
    "dockerfile makefile workflow pipeline schema type interface decorator middleware parser scraper crawler algorithm"
  ).split(" "),
);

/** Adjectives that add nothing to a code title ("a simple Python function"). */
export const BLAND = new Set("simple small quick basic short little new tiny easy sample example".split(" "));

/** Articles and possessives left out of a title's object ("the top 5 customers" → "Top 5 Customers"). */
export const DETERMINER = new Set("a an the my our your their his her its this that these those some any given".split(" "));

/** Verbs whose object says it all: "a query to find the top customers" → "Query for Top Customers". */
export const WEAK_VERB = new Set("find get fetch show list return display select retrieve give print output load read lookup".split(" "));

/** Words that end a code request's object: a second clause, a condition, a schedule. */
export const OBJECT_END = new Set("and then but so that which while when whenever if unless because after before until every each daily nightly weekly hourly".split(" "));

/** Prepositions where a too-long object can be cut ("Top 5 Customers by Revenue" → "Top 5 Customers"). */
export const CUT_AT = new Set("by per in from with using into on at via over across under within without for".split(" "));

/** Verb particles that belong to the verb ("back up", "clean out"). */
export const PARTICLE = new Set("up out down off over".split(" "));

/** Judgements after a short subject, and the noun a title uses for them ("Is this SQL query safe?" → SQL Query Safety). */
export const JUDGEMENT_NOUN: ReadonlyMap<string, string> = mapOf({
  safe: "Safety",
  unsafe: "Safety",
  secure: "Security",
  good: "Pros and Cons",
  bad: "Pros and Cons",
  idea: "Pros and Cons",
  worth: "Pros and Cons",
  wise: "Pros and Cons",
  sensible: "Pros and Cons",
  viable: "Pros and Cons",
  say: "Wording",
  says: "Wording",
  mean: "Meaning",
  means: "Meaning",
  ready: "Readiness",
  cost: "Cost",
  costs: "Cost",
  fast: "Performance",
  slow: "Performance",
});

/** Words that stay lower case inside a title (English and the most common in a few other languages). */
export const SMALL = new Set(
  "a an the and or but nor of to in on at by for with from as vs via per into than de del la el en y et des du le les au à und zu für mit von para con por al di il".split(" "),
);
