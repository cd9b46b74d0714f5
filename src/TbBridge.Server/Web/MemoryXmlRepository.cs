using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace TbBridge.Server.Web;

/// <summary>Data-protection keys (the antiforgery tokens') held in memory for the life of the process.</summary>
internal sealed class MemoryXmlRepository : IXmlRepository
{
    private readonly Lock _gate = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_gate)
        {
            _elements.Add(new XElement(element));
        }
    }
}
