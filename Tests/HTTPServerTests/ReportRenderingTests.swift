import Testing

@testable import HTTPServer

/// Markdown of a report as it reads in the page.
@Suite struct ReportRenderingTests {
    @Test func handlesWithUnderscoresStayPlainAndQuotesRenderAsQuotes() {
        let html = HTMLSafety.markdown("# Report for @glow_co_shop\n\n> Brief: spring <b>launch</b>\n\nVersus @glowco_rival and _this_.\n")
        #expect(html.contains("@glow&#95;co&#95;shop") && html.contains("@glowco&#95;rival"), "\(html)")
        #expect(!html.contains("<em>co") && !html.contains("<em>rival"), "\(html)")
        #expect(html.contains("<em>this</em>"), "emphasis between words still works: \(html)")
        #expect(html.contains("<blockquote>") && !html.contains("&gt; Brief"), "\(html)")
        #expect(html.contains("&lt;b&gt;launch") && !html.contains("<b>"), "markup inside a quote stays text")
    }
}
