"""Reading back the PDFs the API makes (checklists, receipts, result documents)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> tuple[str, set[str]]:
    """The text of every page, and the names of the embedded (FontFile2) fonts."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    embedded = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts", []):
                d = desc.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in d:
                    embedded.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return text, embedded
