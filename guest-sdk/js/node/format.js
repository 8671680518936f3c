// `util.format`'s common cases: `%s %d %i %f %j %o %O %%`, then the remaining arguments, space-separated.
function show(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function format(args) {
  if (args.length === 0) return '';
  const [first, ...rest] = args;
  if (typeof first !== 'string') return args.map(show).join(' ');
  let i = 0;
  const text = first.replace(/%[sdifjoO%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (i >= rest.length) return spec;
    const value = rest[i++];
    switch (spec) {
      case '%d':
      case '%i':
        return String(spec === '%i' ? Math.trunc(Number(value)) : Number(value));
      case '%f':
        return String(Number(value));
      case '%s':
        return typeof value === 'string' ? value : show(value);
      default:
        return show(value);
    }
  });
  return [text, ...rest.slice(i).map(show)].join(' ');
}
