"""Hostile inputs: every place that takes user text must keep them inert."""

import re
from html.parser import HTMLParser

HOSTILE_INPUTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(\'x\')">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">klick</a>',
    '<a href="JaVaScRiPt:alert(1)">klick</a>',
    '<a href="&#106;avascript:alert(1)">klick</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "javascript:alert(1)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example"><input name=p></form>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<script>alert(1)",
    "<img src=x onerror=alert(1)//",
    "<a href='x' onmouseover='alert(1)'>hover",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "\u202egnp.exe",
    "Harmlos\u2066<script>alert(1)</script>\u2069",
    "\x00<script>alert(1)</script>",
    '<img src="x"\nonerror="alert(1)">',
    '<a\thref="javascript:alert(1)">tab</a>',
    '<base href="https://evil.example/">',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<isindex action=javascript:alert(1) type=image>",
    "{{ request.user.password }}",
    "{% debug %}",
    "${alert(1)}",
    "<marquee onstart=alert(1)>",
    "https://example.org/?q=<script>alert(1)</script>",
    'http://example.org/"onmouseover="alert(1)',
]


SAFE_SCHEMES = {"http", "https", "mailto"}


class ElementCollector(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_inert(html: str, allowed_tags: set[str]):
    collector = ElementCollector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.elements:
        assert tag in allowed_tags, html
        assert set(attrs) <= {"href", "rel"}, html
        if "href" in attrs:
            scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.\-]*):", attrs["href"])
            assert scheme is None or scheme.group(1).lower() in SAFE_SCHEMES, html
            assert attrs["rel"] == "nofollow ugc noopener", html
