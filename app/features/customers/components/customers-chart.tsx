import type { CustomerSummary } from "../../../../convex/lib/customerCounts";
import { CUSTOMER_STATUSES } from "../../../../convex/lib/customerFields";
import { STATUS_LABELS } from "../format";

const weekFormat = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" });
const BAR = 24;
const GAP = 8;
const HEIGHT = 64;

/**
 * New customers per week over the last 12 weeks, stacked by status in the badges' colours. Drawn
 * as a few SVG rectangles (a chart library would cost more than this page's JavaScript budget
 * allows); screen readers get the same numbers as a table instead of the picture.
 */
export function CustomersChart({ weeks }: { weeks: CustomerSummary["weeks"] }) {
  const totals = weeks.map((week) => CUSTOMER_STATUSES.reduce((sum, status) => sum + week.counts[status], 0));
  const max = Math.max(1, ...totals);
  const width = weeks.length * (BAR + GAP) - GAP;
  return (
    <figure className="customers-chart" data-testid="customers-chart">
      <figcaption>New customers per week</figcaption>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} width={width} height={HEIGHT} aria-hidden="true" focusable="false">
        {weeks.map((week, index) => {
          let top = HEIGHT;
          return (
            <g key={week.start} transform={`translate(${index * (BAR + GAP)},0)`}>
              <title>{`${weekFormat.format(week.start)}: ${totals[index]}`}</title>
              {CUSTOMER_STATUSES.map((status) => {
                const height = (week.counts[status] / max) * HEIGHT;
                top -= height;
                return height > 0 ? (
                  <rect key={status} className={`bar-${status}`} x={0} y={top} width={BAR} height={height} />
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>New customers per week, by status</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            {CUSTOMER_STATUSES.map((status) => (
              <th key={status} scope="col">
                {STATUS_LABELS[status]}
              </th>
            ))}
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, index) => (
            <tr key={week.start}>
              <th scope="row">{weekFormat.format(week.start)}</th>
              {CUSTOMER_STATUSES.map((status) => (
                <td key={status}>{week.counts[status]}</td>
              ))}
              <td>{totals[index]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="chart-legend" aria-hidden="true">
        {CUSTOMER_STATUSES.map((status) => (
          <span key={status} className={`legend-${status}`}>
            {STATUS_LABELS[status]}
          </span>
        ))}
      </p>
    </figure>
  );
}
