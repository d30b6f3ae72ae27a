import Foundation

/// Numbers as a marketer reads them: `10.5%`, `1.94M`, `81/100`, `$1,234.50`.
public enum DisplayFormat {
    /// Dollars with thousands separators and cents; amounts under a cent that are not zero read
    /// `<$0.01`, so a cheap run never shows as free.
    public static func money(_ value: Double) -> String {
        if value != 0, abs(value) < 0.005 { return value < 0 ? "-<$0.01" : "<$0.01" }
        let cents = (abs(value) * 100).rounded()
        let dollars = grouped(Int(cents / 100))
        let rest = Int(cents.truncatingRemainder(dividingBy: 100))
        return (value < 0 ? "-$" : "$") + dollars + "." + (rest < 10 ? "0" : "") + String(rest)
    }

    /// A share (0.105) as a percentage with one decimal (`10.5%`); whole percentages drop it.
    public static func percent(_ share: Double) -> String {
        let tenths = (share * 1000).rounded() / 10
        return (tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)) + "%"
    }

    /// A count: grouped below ten thousand (`9,870`), then `542.5K`, `1.94M`, `3.1B`.
    public static func count(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude < 10_000 {
            return value == value.rounded() ? (value < 0 ? "-" : "") + grouped(Int(magnitude)) : trimmed(value, digits: 2)
        }
        for (scale, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "K")] where magnitude >= scale {
            let scaled = value / scale
            return trimmed(scaled, digits: abs(scaled) < 10 ? 2 : 1) + suffix
        }
        return grouped(Int(value))
    }

    /// A 0–100 score as `81/100`.
    public static func score(_ value: Double) -> String { "\(Int(value.rounded()))/100" }

    /// Elapsed time: `850 ms`, `3.2 s`, `4 min 05 s`, `2 h 10 min`.
    public static func duration(milliseconds: Int) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        let seconds = Double(milliseconds) / 1000
        if seconds < 60 { return trimmed(seconds, digits: 1) + " s" }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60 < 10 ? "0" : "")\(total % 60) s" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }

    /// `1234567` as `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    private static func trimmed(_ value: Double, digits: Int) -> String {
        var text = String(format: "%.\(digits)f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
